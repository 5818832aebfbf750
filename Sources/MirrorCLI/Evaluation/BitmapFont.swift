/// A built-in 5×7 bitmap font for plot labels: A–Z (lower case is drawn as upper case), digits and
/// a little punctuation; anything else is drawn as '?'. Each glyph is seven row bytes, top row in
/// the most significant byte, and bit 4 of a row is its leftmost column.
enum BitmapFont {
    static let glyphWidth = 5, glyphHeight = 7
    /// Horizontal distance between glyph origins (one blank column).
    static let advance = 6

    private static let glyphs: [Character: UInt64] = [
        "A": 0x0E11111F111111, "B": 0x1E11111E11111E, "C": 0x0E11101010110E, "D": 0x1E11111111111E,
        "E": 0x1F10101E10101F, "F": 0x1F10101E101010, "G": 0x0E11101711110F, "H": 0x1111111F111111,
        "I": 0x0E04040404040E, "J": 0x0702020202120C, "K": 0x11121418141211, "L": 0x1010101010101F,
        "M": 0x111B1515111111, "N": 0x11111915131111, "O": 0x0E11111111110E, "P": 0x1E11111E101010,
        "Q": 0x0E11111115120D, "R": 0x1E11111E141211, "S": 0x0F10100E01011E, "T": 0x1F040404040404,
        "U": 0x1111111111110E, "V": 0x11111111110A04, "W": 0x1111111515150A, "X": 0x11110A040A1111,
        "Y": 0x11110A04040404, "Z": 0x1F01020408101F, "0": 0x0E11131519110E, "1": 0x040C040404040E,
        "2": 0x0E11010204081F, "3": 0x1F02040201110E, "4": 0x02060A121F0202, "5": 0x1F101E0101110E,
        "6": 0x0608101E11110E, "7": 0x1F010204080808, "8": 0x0E11110E11110E, "9": 0x0E11110F01020C,
        ".": 0x00000000000C0C, ":": 0x000C0C000C0C00, "-": 0x0000001F000000, "@": 0x0E11171517100E,
        "=": 0x00001F001F0000, "(": 0x02040808080402, ")": 0x08040202020408, "/": 0x00010204081000,
        "_": 0x0000000000001F, ",": 0x000000000C0408, "?": 0x0E110102040004, " ": 0,
    ]

    /// Whether the glyph of `character` has its pixel at column `x` (0…4), row `y` (0…6) set.
    static func isSet(_ character: Character, x: Int, y: Int) -> Bool {
        let bits = glyphs[Character(character.uppercased())] ?? glyphs["?"]!
        let row = (bits >> UInt64(8 * (glyphHeight - 1 - y))) & 0xFF
        return row & (1 << UInt64(glyphWidth - 1 - x)) != 0
    }

    /// Width in pixels of `text` drawn at `scale` (without the trailing blank column).
    static func width(of text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }
}
