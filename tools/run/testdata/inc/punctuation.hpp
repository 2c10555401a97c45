#pragma once
#ifdef EXCLAIM
#define EXCLAMATION "!"
#else
#define EXCLAMATION ""
#endif
