from revtruth.simulate.salesforce.soql.parser import Query, SoqlError, parse_query, run_query

__all__ = ["Query", "SoqlError", "parse_query", "run_query"]
