// Placeholder: replaced by the reference-case runner.
int main() { return 1; }
