"""Fleet: run the contract suite against many servers with one command and report them as one matrix.

``fleetfile`` reads the fleet file, ``launch`` builds each target's pytest run and environment, ``runner``
runs them in parallel (one per origin, signals forwarded), ``model`` turns the runs into the fleet report
document that ``markdown``, ``html`` and ``terminal`` render, ``merge`` combines and ``diff`` compares.
"""
