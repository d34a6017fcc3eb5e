"""The service's pages about itself, open to anyone: its accessibility statement, how it uses personal
information, and the cookies it sets."""
