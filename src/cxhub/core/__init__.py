"""The core knows no domain: settings, database, auth, tenancy, events, jobs, errors, pagination."""
