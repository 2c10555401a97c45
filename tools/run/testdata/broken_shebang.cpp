#!/usr/bin/env ember-run
// Does not compile: the diagnostic must give this file and the line as it is here,
// #! line included.
int main() {
  return not_declared_anywhere;  // the error
}
