"""Quick look: a large preview of a task's results (images, video, audio), as in a file manager."""
