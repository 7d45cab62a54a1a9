"""Export of everything a user has (zip of CSVs, or JSON), streamed."""
