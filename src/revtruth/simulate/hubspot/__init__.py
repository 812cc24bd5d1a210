"""A simulated HubSpot CRM API (simulate.hubspot.server), served from a company's CRM plan."""
