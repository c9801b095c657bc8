"""The complaint queue: reports become numbered tickets that moderators claim and close."""
