"""pmhub's benchmarks: each prints its figures (medians); `make bench` runs them all."""
