-- discord-bot 0002 down: three independent tables; their indexes go with them.
DROP TABLE afk;
DROP TABLE reminder;
DROP TABLE snippet;
