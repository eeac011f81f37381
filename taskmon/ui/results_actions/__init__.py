"""What a user does with a task's result files: Open, Show in folder, Copy file/image/link."""
