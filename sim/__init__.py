"""CRM Workbench: an agent-based market simulation for teaching and researching CRM."""
