"""Next best action: ranked, explained actions per customer and their recorded outcomes
(docs/experience.md, "Next best action")."""
