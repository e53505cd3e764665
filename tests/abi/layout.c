#include "public/shared_info.h"
int main(void)
{
	return 0;
}
