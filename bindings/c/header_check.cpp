// The header compiles as C++ too, and survives being included twice.
#include "ponte.h"
#include "ponte.h"

int main() {
    return ponte_version_number() == PONTE_VERSION_NUMBER ? 0 : 1;
}
