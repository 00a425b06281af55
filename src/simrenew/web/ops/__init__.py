"""What the load balancer and the monitoring ask: /healthz, /readyz and /metrics."""
