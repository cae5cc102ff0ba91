"""Users (reps, managers, sales ops, finance), the team hierarchy, and when people are away."""
