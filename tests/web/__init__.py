"""Tests of the web shell and the pages domains put in it."""
