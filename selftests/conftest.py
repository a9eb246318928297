"""Self-tests run the suite the way users do, through pytester."""

pytest_plugins = ["pytester"]
