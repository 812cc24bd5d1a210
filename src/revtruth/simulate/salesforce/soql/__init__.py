"""The SOQL subset the simulated Salesforce answers: `parse_query` reads a query against the
org's schema (raising `SoqlError` as Salesforce rejects one), `run_query` selects records."""

from revtruth.simulate.salesforce.soql.lexer import SoqlError
from revtruth.simulate.salesforce.soql.parser import parse_query
from revtruth.simulate.salesforce.soql.query import Query, run_query

__all__ = ["Query", "SoqlError", "parse_query", "run_query"]
