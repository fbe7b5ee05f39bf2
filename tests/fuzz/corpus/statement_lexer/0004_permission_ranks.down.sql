-- discord-bot 0004 down: assignments reference ranks, so they go first.
DROP TABLE permission_commands;
DROP TABLE permission_assignments;
DROP TABLE permission_ranks;
