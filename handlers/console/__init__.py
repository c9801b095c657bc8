"""The console chat behind `modbot demo`: a local stand-in for a group, a queue and a DM."""
