"""The national carbon market's monthly cycle (以日保月、以月保年): the enterprise's profile on the list, each month's
package for the platform, its reminders and its download."""
