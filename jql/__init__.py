"""JQL: Jira Query Language parsing and compilation."""
