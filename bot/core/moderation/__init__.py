"""Moderation: the warn → mute → ban ladder, moderator commands, the content filter in the
message flow and anti-flood. Pure core code: decisions in, actions and audit records out."""
