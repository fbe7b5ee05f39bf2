-- dashboard 0004 down: subscriptions reference channels, so they go first.
DROP TABLE notification_subscriptions;
DROP TABLE notification_channels;
