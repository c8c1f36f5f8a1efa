"""Privacy's domain: retention schedules, legal holds, the rules for anonymizing and erasing."""
