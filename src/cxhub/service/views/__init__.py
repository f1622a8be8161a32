"""Saved ticket views: named filters with capped counts, personal or shared."""
