"""The pages, one module per area: signing in, the staff's pages, the plan, meetings, consents, the citizen's."""
