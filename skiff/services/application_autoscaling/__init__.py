"""Application Auto Scaling (`application-autoscaling`, awsJson 1.1) for ECS services' desired count:
scalable targets, scaling policies (target tracking with its CloudWatch alarms, step scaling),
scheduled actions, scaling activities, tags. The acting happens in controllers/autoscaling.py."""
