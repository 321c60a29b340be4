"""The stream side: the Faust worker and everything it needs of Kafka. The pure stages never import it."""
