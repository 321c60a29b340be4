"""Pure pipeline stages: typed functions that never import Kafka or Faust."""
