"""A person's own data: what Plenary holds about them, to download, and deleting their account. Above every domain
that holds personal data, so it may read them all."""
