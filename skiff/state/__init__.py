"""Records shared by the control plane and the agent: the scope of a call and the task records.

Both the ECS backends (services/) and the agent import this package; it stands on the store
alone, so the agent's only link to the control plane is the store and these records.
"""
