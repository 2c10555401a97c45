#include <ember/ember.hpp>
