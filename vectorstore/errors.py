"""The store's error for users: what it cannot do, and what to do about it."""


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why and what to do."""
