-- discord-bot 0003 down: three independent tables; their indexes go with them.
DROP TABLE starboard_message;
DROP TABLE starboard;
DROP TABLE levels;
