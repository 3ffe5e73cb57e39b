#include "sieve_icu.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

void sieve_script_tables(uint8_t *scripts, uint8_t *classes, uint16_t *lower) {
    for (UChar32 c = 0; c < 0x110000; c++) {
        UErrorCode status = U_ZERO_ERROR;
        UScriptCode script = uscript_getScript(c, &status);
        scripts[c] = U_FAILURE(status) || script < 0 || script > 255 ? USCRIPT_UNKNOWN : (uint8_t)script;
        int8_t type = u_charType(c);
        uint8_t cls = 0;
        switch (type) {
        case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
        case U_MODIFIER_LETTER: case U_OTHER_LETTER:
        case U_NON_SPACING_MARK: case U_ENCLOSING_MARK: case U_COMBINING_SPACING_MARK:
            cls = 1; break;
        case U_DECIMAL_DIGIT_NUMBER:
            cls = 2; break;
        case U_CONTROL_CHAR: case U_PRIVATE_USE_CHAR: case U_UNASSIGNED: case U_SURROGATE:
            cls = 3; break;
        default:
            cls = 0;
        }
        classes[c] = cls;
        if (c < 0x10000) {
            UChar32 l = u_tolower(c);
            lower[c] = l < 0x10000 ? (uint16_t)l : (uint16_t)c;
        }
    }
}

int32_t sieve_script_name(int32_t code, char *name, int32_t capacity) {
    const char *short_name = uscript_getShortName((UScriptCode)code);
    if (!short_name || !*short_name) return -1;
    int32_t length = (int32_t)strlen(short_name);
    if (length + 1 > capacity) return -1;
    memcpy(name, short_name, (size_t)length + 1);
    return length;
}
