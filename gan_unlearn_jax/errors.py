"""The error a user can cause and fix."""


class UserError(ValueError):
  """A bad config, request, dataset or checkpoint; the message says the fix."""
