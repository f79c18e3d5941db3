//! Talking to the cluster.
