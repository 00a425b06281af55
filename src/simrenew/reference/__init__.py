"""Reference data kept per process: brand fees, products, terminals and their outlets, commission
rates, live promotions. Any change to them in the back office bumps one shared generation number,
and every process drops what it kept at its next request or job."""
