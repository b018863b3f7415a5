"""The carbon market's monthly cycle: the profile, the months of a year, and one month's package."""
