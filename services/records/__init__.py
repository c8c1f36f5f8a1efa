"""Records: the system of record; appends every event, proves integrity, replays timelines."""
