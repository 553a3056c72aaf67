"""The error every bad input raises: the command line prints its message and exits with 2."""


class UserError(ValueError):
    """Bad input from the user (a scenario, a record, a command-line value, an output place).

    The message names the file and the field; the command line shows it without a traceback.
    """
