"""Draw Kisaansay's app icons with Pillow: a white sprout on the green theme colour.

Run `.venv/bin/python tools/make_icons.py`; the PNGs in assets/icons are committed, so builds need no step.
"""

from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (46, 125, 50, 255)  # #2e7d32, the theme colour
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "assets"
SCALE = 4  # draw large, then downsample: smooth edges without an anti-aliasing library


def sprout(size: int, *, maskable: bool) -> Image.Image:
    big = size * SCALE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=GREEN)  # full bleed: the launcher applies its own mask
        inset = big * 0.22  # keep the mark inside the 80% safe zone
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=GREEN)
        inset = big * 0.14
    box = big - 2 * inset

    def at(x: float, y: float) -> tuple[float, float]:
        return inset + x * box, inset + y * box

    stem = box * 0.07
    draw.line([at(0.5, 0.92), at(0.5, 0.42)], fill=WHITE, width=int(stem))
    # Two leaves: ellipses rotated by drawing them on their own layer.
    for side in (-1, 1):
        leaf = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        ImageDraw.Draw(leaf).ellipse((*at(0.5, 0.30), *at(0.5 + 0.42, 0.52)), fill=WHITE)
        leaf = leaf.rotate(-28 if side > 0 else 28, center=at(0.5, 0.48), resample=Image.BICUBIC)
        if side < 0:
            leaf = leaf.transpose(Image.FLIP_LEFT_RIGHT)
        img.alpha_composite(leaf)
    # The ground the sprout grows from.
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((*at(0.22, 0.88), *at(0.78, 0.96)), radius=box * 0.04, fill=WHITE)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    icons = OUT / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    sprout(192, maskable=False).save(icons / "icon-192.png")
    sprout(512, maskable=False).save(icons / "icon-512.png")
    sprout(512, maskable=True).save(icons / "icon-maskable-512.png")
    sprout(180, maskable=True).convert("RGB").save(icons / "apple-touch-icon.png")
    # The header logo shows at 28 px: 56 px covers 2x screens in a fraction of the 192 px icon's bytes.
    sprout(56, maskable=False).save(icons / "logo-56.png", optimize=True)
    sprout(64, maskable=False).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"icons written to {icons}")


if __name__ == "__main__":
    main()
