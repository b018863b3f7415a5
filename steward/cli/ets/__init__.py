"""The carbon market's monthly cycle on the command line."""
