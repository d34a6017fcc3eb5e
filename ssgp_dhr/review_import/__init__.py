"""Reviews brought in from a partnership's spreadsheet: the columns, reading the file, and the import."""
