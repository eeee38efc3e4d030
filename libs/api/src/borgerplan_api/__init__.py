"""Borgerplan's public HTTP models, defined once.

The gateway documents its OpenAPI with these models and checks requests against them at the door; the service that
owns a resource accepts and answers the same models. So the contract an integrator generates a client from and what
the services do cannot drift apart. ``XCreate``/``XUpdate`` come in, ``XPublic`` goes out.
"""
