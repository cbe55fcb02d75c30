"""Language identification control: sets every record's ``lang`` (see :mod:`transforms.language.stage`)."""
