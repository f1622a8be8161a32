"""Data-subject rights (GDPR art. 15/20): everything held on one contact, gathered from each domain."""
