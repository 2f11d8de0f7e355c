"""Render the demo images in resources/demo/ (our own work; no third-party images are shipped).

Usage:  python resources/make_demo_images.py [OUTPUT_DIR]      (default: resources/demo next to this file)

Needs PyQt5, numpy and opencv (all labeler dependencies) and system TrueType fonts: DejaVu Sans / Serif / Mono,
and for the Chinese invoice a CJK font (Debian: apt-get install fonts-noto-cjk); without one that image is skipped.
Output is deterministic for a given set of fonts (fixed random seed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Render without a display; must be set before the QGuiApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2
import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

SEED = 20240314
SANS, SERIF, MONO = "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono"
INK = QColor(25, 25, 30)
PEN_BLUE = QColor(20, 45, 140)


# ----------------------------------------------------------------------------- helpers


def font(family: str, px: float, bold: bool = False, italic: bool = False, stretch: int = 100) -> QFont:
    f = QFont(family)
    f.setPixelSize(int(round(px)))
    f.setBold(bold)
    f.setItalic(italic)
    f.setStretch(stretch)
    f.setHintingPreference(QFont.PreferNoHinting)
    return f


def text(p: QPainter, x: float, y: float, s: str, f: QFont, color: QColor = INK, align: str = "left") -> float:
    """Draw s with its baseline at y; x is the left edge, centre or right edge (align). Returns the width."""
    w = QFontMetricsF(f).horizontalAdvance(s)
    if align == "center":
        x -= w / 2
    elif align == "right":
        x -= w
    p.setFont(f)
    p.setPen(color)
    p.drawText(QPointF(x, y), s)
    return w


def new_image(w: int, h: int, color: QColor) -> tuple[QImage, QPainter]:
    img = QImage(w, h, QImage.Format_RGB32)
    img.fill(color)
    p = QPainter(img)
    p.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
    return img, p


def to_array(img: QImage) -> np.ndarray:
    """QImage -> H x W x 3 uint8 BGR (OpenCV order)."""
    img = img.convertToFormat(QImage.Format_RGB888)
    w, h = img.width(), img.height()
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    arr = np.frombuffer(ptr, np.uint8).reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3)
    return cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)


def blotches(rng: np.random.Generator, h: int, w: int, scale: int, amount: float) -> np.ndarray:
    """Smooth low-frequency noise in [-amount, amount]: uneven paper and lighting."""
    small = rng.standard_normal((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    big = cv2.GaussianBlur(big, (0, 0), scale / 2)
    return big / (np.abs(big).max() + 1e-6) * amount


def save(arr: np.ndarray, path: Path, jpeg_quality: int | None = None) -> None:
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if jpeg_quality else [cv2.IMWRITE_PNG_COMPRESSION, 9]
    if not cv2.imwrite(str(path), arr, params):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path} ({arr.shape[1]}x{arr.shape[0]}, {path.stat().st_size // 1024} KB)")


def find_cjk_family() -> str | None:
    db = QFontDatabase()
    families = [f for f in db.families() if QFontDatabase.SimplifiedChinese in db.writingSystems(f)]
    for preferred in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei"):
        if preferred in families:
            return preferred
    return families[0] if families else None


# ----------------------------------------------------------------------------- receipt

RECEIPT_ITEMS = [
    ("Organic Bananas 1.2 lb", "0.95"),
    ("Whole Milk 1 gal", "4.29"),
    ("Sourdough Bread", "5.49"),
    ("Free Range Eggs 12ct", "6.19"),
    ("Cheddar Cheese 8 oz", "3.99"),
    ("Roma Tomatoes 2 lb", "3.58"),
    ("2 x Greek Yogurt", "2.98"),
    ("Ground Coffee 12 oz", "9.49"),
    ("Baby Spinach 5 oz", "3.79"),
    ("Olive Oil 500 ml", "8.99"),
    ("Pasta Penne 1 lb", "1.89"),
    ("Dark Chocolate Bar", "2.49"),
    ("Paper Towels 6 pk", "7.99"),
]


def receipt(rng: np.random.Generator) -> np.ndarray:
    pw, ph = 620, 1330  # the paper; the scan around it is 700 x 1400
    img, p = new_image(pw, ph, QColor(250, 249, 244))
    mono, mono_b = font(MONO, 23), font(MONO, 23, bold=True)
    left, right, y = 36, pw - 36, 80
    text(p, pw / 2, y, "GREENLEAF MARKET", font(SANS, 40, bold=True), align="center")
    y += 44
    for line in ("128 Harbor Street", "Portland, OR 97204", "Tel (503) 555-0147"):
        text(p, pw / 2, y, line, mono, align="center")
        y += 32
    y += 10
    rule = "-" * 40
    text(p, pw / 2, y, rule, mono, align="center")
    y += 36
    text(p, left, y, "Date: 03/14/2024", mono)
    text(p, right, y, "17:42", mono, align="right")
    y += 32
    text(p, left, y, "Receipt #004817", mono)
    text(p, right, y, "Cashier: Maya", mono, align="right")
    y += 32
    text(p, pw / 2, y, rule, mono, align="center")
    y += 40
    subtotal = 0.0
    for name, price in RECEIPT_ITEMS:
        text(p, left, y, name, mono)
        text(p, right, y, price, mono, align="right")
        subtotal += float(price)
        y += 36
    text(p, pw / 2, y, rule, mono, align="center")
    y += 40
    tax = round(subtotal * 0.08, 2)
    for label, value, f in (
        ("SUBTOTAL", f"{subtotal:.2f}", mono),
        ("TAX 8.0%", f"{tax:.2f}", mono),
        ("TOTAL", f"${subtotal + tax:.2f}", font(MONO, 30, bold=True)),
    ):
        text(p, left, y, label, f)
        text(p, right, y, value, f, align="right")
        y += 42
    y += 4
    text(p, left, y, "VISA **** 4821", mono)
    text(p, right, y, f"{subtotal + tax:.2f}", mono, align="right")
    y += 34
    text(p, left, y, f"Items sold: {len(RECEIPT_ITEMS) + 1}", mono)
    y += 34
    text(p, pw / 2, y, rule, mono, align="center")
    y += 50
    text(p, pw / 2, y, "THANK YOU FOR SHOPPING!", mono_b, align="center")
    y += 34
    text(p, pw / 2, y, "Please keep your receipt", mono, align="center")
    y += 40
    # A barcode: bars of random width; ends with the receipt number under it.
    x = pw / 2 - 170
    p.setPen(Qt.NoPen)
    p.setBrush(INK)
    while x < pw / 2 + 165:
        bar = int(rng.integers(1, 4)) * 2
        p.drawRect(QRectF(x, y, bar, 70))
        x += bar + int(rng.integers(1, 4)) * 2
    text(p, pw / 2, y + 98, "0048 1720 2403 14", mono, align="center")
    p.end()

    paper = cv2.cvtColor(to_array(img), cv2.COLOR_BGR2GRAY).astype(np.float32)
    paper += blotches(rng, ph, pw, 60, 7.0)  # uneven thermal paper
    # Faded print: lift the darkest ink a little.
    paper = 30 + paper * (225 / 255)
    # Place the paper on a darker scanner bed, rotated a little.
    W, H = 700, 1400
    bed = np.full((H, W), 92, np.float32) + blotches(rng, H, W, 120, 10.0)
    m = cv2.getRotationMatrix2D((pw / 2, ph / 2), 1.4, 1.0)
    m[:, 2] += ((W - pw) / 2, (H - ph) / 2)
    warped = cv2.warpAffine(paper, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpAffine(np.ones_like(paper), m, (W, H), flags=cv2.INTER_LINEAR, borderValue=0)
    # A soft shadow on the bed under the paper's edge.
    shadow = cv2.GaussianBlur(mask, (0, 0), 6)
    bed *= 1 - 0.35 * cv2.warpAffine(shadow, np.float32([[1, 0, 4], [0, 1, 5]]), (W, H))
    out = warped * mask + bed * (1 - mask)
    out = cv2.GaussianBlur(out, (0, 0), 0.6)  # scanner optics
    # Paper grain and dust; smooth grain rather than white noise keeps the PNG small.
    out += blotches(rng, H, W, 3, 6.0)
    for _ in range(40):  # faint, and only on blank paper, so that no speck reads as punctuation
        x, y = int(rng.integers(20, W - 20)), int(rng.integers(20, H - 20))
        if out[y - 20 : y + 20, x - 20 : x + 20].min() > 200:
            cv2.circle(out, (x, y), 1, float(rng.uniform(150, 200)), -1, cv2.LINE_AA)
    return np.clip(out, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- form


def form(rng: np.random.Generator) -> np.ndarray:
    W, H = 1240, 1754  # A4 at 150 dpi
    img, p = new_image(W, H, QColor(255, 255, 255))
    grey, dark = QColor(110, 110, 115), QColor(40, 60, 90)
    margin = 100
    # Letterhead
    p.fillRect(QRectF(margin, 90, W - 2 * margin, 8), dark)
    text(p, margin, 160, "Riverside Community Library", font(SERIF, 40, bold=True), dark)
    text(p, W - margin, 160, "Form LM-2", font(SANS, 22), grey, align="right")
    text(p, margin, 200, "45 Mill Road, Riverside, CA 92501  ·  (951) 555-0183", font(SANS, 20), grey)
    text(p, W / 2, 285, "MEMBERSHIP APPLICATION", font(SANS, 40, bold=True), align="center")
    text(p, W / 2, 328, "Please print clearly. Fields marked * are required.", font(SANS, 20), grey, align="center")

    label_f = font(SANS, 22, bold=True)
    hand_f = font(SERIF, 32, italic=True)
    pen_line = QPen(QColor(150, 150, 155), 1.5)

    def field(x: float, y: float, width: float, label: str, value: str) -> None:
        lw = text(p, x, y, label, label_f)
        p.setPen(pen_line)
        p.drawLine(QPointF(x + lw + 12, y + 8), QPointF(x + width, y + 8))
        # Handwriting: blue ink, a slight tilt and a baseline that is not quite on the line.
        p.save()
        p.translate(x + lw + 28 + rng.uniform(0, 10), y - rng.uniform(2, 7))
        p.rotate(rng.uniform(-1.2, 0.6))
        text(p, 0, 0, value, hand_f, PEN_BLUE)
        p.restore()

    full = W - 2 * margin
    half = full / 2 - 20
    y, step = 410, 78
    field(margin, y, full, "Full name *", "Margaret A. Keller")
    y += step
    field(margin, y, half, "Date of birth *", "17 / 09 / 1986")
    field(margin + half + 40, y, half, "Phone", "(951) 555-0262")
    y += step
    field(margin, y, full, "Street address *", "2214 Orange Grove Avenue, Apt 3B")
    y += step
    field(margin, y, half, "City *", "Riverside")
    field(margin + half + 40, y, half, "ZIP code *", "92506")
    y += step
    field(margin, y, full, "E-mail", "m.keller@example.com")
    y += step + 10

    # Membership type: checkboxes, one ticked by hand.
    text(p, margin, y, "Membership type *", label_f)
    x = margin + 280
    for i, option in enumerate(("Adult", "Senior", "Student", "Family")):
        p.setPen(QPen(INK, 2))
        p.setBrush(Qt.NoBrush)
        p.drawRect(QRectF(x, y - 24, 28, 28))
        if i == 0:
            p.setPen(QPen(PEN_BLUE, 4, Qt.SolidLine, Qt.RoundCap))
            p.drawLine(QPointF(x + 4, y - 10), QPointF(x + 12, y))
            p.drawLine(QPointF(x + 12, y), QPointF(x + 32, y - 32))
        text(p, x + 42, y, option, font(SANS, 24))
        x += 200
    y += 100

    # A small table: the first loans.
    text(p, margin, y, "First loans", font(SANS, 28, bold=True), dark)
    y += 24
    cols = [("No.", 80), ("Title", 440), ("Author", 290), ("Due date", full - 810)]
    row_h, rows = (
        58,
        [
            ("1", "The Old Man and the Sea", "E. Hemingway", "04/02/2024"),
            ("2", "A Brief History of Time", "S. Hawking", "04/02/2024"),
            ("3", "Pride and Prejudice", "J. Austen", "04/09/2024"),
            ("4", "Cosmos", "C. Sagan", "04/09/2024"),
        ],
    )
    table = QRectF(margin, y, full, row_h * (len(rows) + 1))
    p.fillRect(QRectF(margin, y, full, row_h), QColor(228, 233, 242))
    p.setPen(QPen(INK, 1.6))
    p.setBrush(Qt.NoBrush)
    p.drawRect(table)
    for r in range(1, len(rows) + 1):
        p.drawLine(QPointF(margin, y + r * row_h), QPointF(margin + full, y + r * row_h))
    x = margin
    for name, width in cols:
        text(p, x + 16, y + 38, name, font(SANS, 24, bold=True))
        x += width
        if x < margin + full - 1:
            p.setPen(QPen(INK, 1.6))
            p.drawLine(QPointF(x, y), QPointF(x, y + table.height()))
    for r, row in enumerate(rows, start=1):
        x = margin
        for (_, width), cell in zip(cols, row):
            f = font(SERIF, 28, italic=True)
            text(p, x + 16, y + r * row_h + 40 + rng.uniform(-2, 2), cell, f, PEN_BLUE)
            x += width
    y += table.height() + 70

    # Declaration and signature
    for line in (
        "I agree to follow the library rules and to return or renew borrowed items",
        "by their due date. Lost or damaged items will be charged at replacement cost.",
    ):
        text(p, margin, y, line, font(SANS, 22))
        y += 34
    y += 70
    p.setPen(pen_line)
    p.drawLine(QPointF(margin, y), QPointF(margin + 460, y))
    p.drawLine(QPointF(W - margin - 360, y), QPointF(W - margin, y))
    p.save()
    p.translate(margin + 30, y - 12)
    p.rotate(-4)
    text(p, 0, 0, "M. Keller", font(SERIF, 44, italic=True), PEN_BLUE)
    p.restore()
    text(p, W - margin - 330, y - 12, "03/14/2024", hand_f, PEN_BLUE)
    text(p, margin, y + 34, "Signature of applicant", font(SANS, 20), grey)
    text(p, W - margin - 360, y + 34, "Date", font(SANS, 20), grey)

    # Office box
    y += 80
    p.setPen(QPen(grey, 1.5, Qt.DashLine))
    p.drawRect(QRectF(margin, y, full, 150))
    text(p, margin + 20, y + 40, "FOR OFFICE USE ONLY", font(SANS, 20, bold=True), grey)
    text(p, margin + 20, y + 90, "Card number:", font(SANS, 22), grey)
    text(p, margin + 200, y + 92, "RCL-0031-7742", font(MONO, 28), INK)
    text(p, margin + 640, y + 90, "Checked by:", font(SANS, 22), grey)
    text(p, margin + 790, y + 92, "J. Ortiz", hand_f, PEN_BLUE)
    text(p, W / 2, H - 50, "Page 1 of 1  ·  rev. 03/2024", font(SANS, 18), grey, align="center")
    p.end()

    out = to_array(img).astype(np.float32)
    out += blotches(rng, H, W, 200, 4.0)[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- Chinese invoice


def invoice_zh(rng: np.random.Generator, cjk: str) -> np.ndarray:
    W, H = 1400, 960
    img, p = new_image(W, H, QColor(252, 251, 246))
    brown = QColor(150, 90, 40)  # the printed frame of a Chinese VAT invoice
    red = QColor(200, 40, 40)

    def cn(px: float, bold: bool = False) -> QFont:
        return font(cjk, px, bold)

    text(p, W / 2, 80, "增值税普通发票", cn(44, True), brown, align="center")
    p.setPen(QPen(brown, 2))
    p.drawLine(QPointF(W / 2 - 190, 96), QPointF(W / 2 + 190, 96))
    p.drawLine(QPointF(W / 2 - 190, 102), QPointF(W / 2 + 190, 102))
    text(p, W / 2, 134, "VAT INVOICE", font(SANS, 20), brown, align="center")
    text(p, W - 60, 60, "发票代码：044031900111", cn(22), brown, align="right")
    text(p, W - 60, 94, "发票号码：08264513", cn(22), brown, align="right")
    text(p, W - 60, 128, "开票日期：2024年03月14日", cn(22), brown, align="right")
    text(p, 60, 128, "机器编号：661912307745", cn(22), brown)

    left, right, top = 50, W - 50, 160
    p.setPen(QPen(brown, 2))
    p.setBrush(Qt.NoBrush)
    p.drawRect(QRectF(left, top, right - left, 640))

    def party(y0: float, title: str, rows: list[tuple[str, str]]) -> None:
        p.setPen(QPen(brown, 2))
        p.drawLine(QPointF(left + 60, y0), QPointF(left + 60, y0 + 150))
        for i, ch in enumerate(title):
            text(p, left + 30, y0 + 40 + i * 34, ch, cn(24), brown, align="center")
        for i, (k, v) in enumerate(rows):
            yy = y0 + 38 + i * 36
            text(p, left + 80, yy, k, cn(22), brown)
            text(p, left + 290, yy, v, cn(24), INK)

    party(
        top,
        "购买方",
        [
            ("名　　　　称：", "深圳市青叶科技有限公司"),
            ("纳税人识别号：", "91440300MA5F3K7Q2X"),
            ("地址、电话：", "深圳市南山区科技园路18号 0755-86120347"),
            ("开户行及账号：", "招商银行深圳科技园支行 755912340110801"),
        ],
    )
    p.drawLine(QPointF(left, top + 150), QPointF(right, top + 150))

    # Goods table
    cols = [
        ("货物或应税劳务名称", 330),
        ("规格型号", 140),
        ("单位", 80),
        ("数量", 90),
        ("单价", 140),
        ("金额", 170),
        ("税率", 100),
        ("税额", right - left - 1050),
    ]
    rows = [
        ("*纸制品*A4复印纸", "70g", "箱", "5", "120.00", "600.00", "13%", "78.00"),
        ("*计算机外部设备*无线鼠标", "M220", "个", "10", "45.00", "450.00", "13%", "58.50"),
        ("*电线电缆*USB-C数据线", "1m", "条", "20", "9.00", "180.00", "13%", "23.40"),
        ("*照明装置*LED台灯", "TL-30", "台", "2", "86.00", "172.00", "13%", "22.36"),
    ]
    y0 = top + 150
    x = left
    for name, width in cols:
        text(p, x + width / 2, y0 + 34, name, cn(20), brown, align="center")
        x += width
        if x < right - 1:
            p.setPen(QPen(brown, 1.2))
            p.drawLine(QPointF(x, y0), QPointF(x, y0 + 250))
    for r, row in enumerate(rows):
        x = left
        yy = y0 + 84 + r * 40
        for i, ((_, width), cell) in enumerate(zip(cols, row)):
            if i == 0:
                text(p, x + 12, yy, cell, cn(21), INK)
            elif i >= 4:
                text(p, x + width - 12, yy, cell, cn(21), INK, align="right")
            else:
                text(p, x + width / 2, yy, cell, cn(21), INK, align="center")
            x += width
    total = sum(float(r[5]) for r in rows)
    tax = sum(float(r[7]) for r in rows)
    yy = y0 + 250
    p.setPen(QPen(brown, 1.2))
    p.drawLine(QPointF(left, yy - 40), QPointF(right, yy - 40))
    text(p, left + 165, yy - 12, "合　　计", cn(22), brown, align="center")
    text(p, left + 960 - 12, yy - 12, f"¥{total:.2f}", cn(22), INK, align="right")
    text(p, right - 12, yy - 12, f"¥{tax:.2f}", cn(22), INK, align="right")
    p.setPen(QPen(brown, 2))
    p.drawLine(QPointF(left, yy), QPointF(right, yy))
    text(p, left + 20, yy + 40, "价税合计（大写）", cn(22), brown)
    text(p, left + 260, yy + 40, "壹仟伍佰捌拾叁元贰角陆分", cn(24), INK)
    text(p, left + 880, yy + 40, "（小写）", cn(22), brown)
    text(p, left + 980, yy + 40, f"¥{total + tax:.2f}", cn(24, True), INK)
    p.drawLine(QPointF(left, yy + 60), QPointF(right, yy + 60))

    party(
        yy + 60,
        "销售方",
        [
            ("名　　　　称：", "广州市华南办公用品有限公司"),
            ("纳税人识别号：", "91440101MA9W8N5T6L"),
            ("地址、电话：", "广州市天河区体育西路56号 020-38847725"),
            ("开户行及账号：", "中国银行广州天河支行 6438 5721 0093"),
        ],
    )
    text(p, 90, 850, "收款人：王丽", cn(22), brown)
    text(p, 400, 850, "复核：陈明", cn(22), brown)
    text(p, 680, 850, "开票人：李华", cn(22), brown)
    text(p, 960, 850, "销售方：（章）", cn(22), brown)

    # The seller's red oval seal, away from the printed text so it does not hide it.
    p.save()
    p.translate(1245, 870)
    p.rotate(-8)
    seal = QColor(red.red(), red.green(), red.blue(), 170)
    p.setPen(QPen(seal, 4))
    p.setBrush(Qt.NoBrush)
    p.drawEllipse(QRectF(-110, -70, 220, 140))
    text(p, 0, 8, "发票专用章", cn(26, True), seal, align="center")
    text(p, 0, 44, "91440101MA9W8N5T6L", font(SANS, 13), seal, align="center")
    p.restore()
    p.end()

    out = to_array(img).astype(np.float32)
    out += blotches(rng, H, W, 150, 5.0)[..., None]
    out = cv2.GaussianBlur(out, (0, 0), 0.5)
    return np.clip(out, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- scene text photo


def sign_board() -> QImage:
    w, h = 1000, 430
    img = QImage(w, h, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(4, 4, w - 8, h - 8), 28, 28)
    grad = QLinearGradient(0, 0, 0, h)
    grad.setColorAt(0, QColor(176, 32, 38))
    grad.setColorAt(1, QColor(120, 18, 24))
    p.fillPath(path, QBrush(grad))
    p.setPen(QPen(QColor(240, 200, 90), 10))
    p.drawPath(path)
    cream, gold = QColor(255, 246, 225), QColor(250, 205, 90)
    text(p, w / 2, 170, "SUNRISE BAKERY", font(SERIF, 92, bold=True), cream, align="center")
    text(p, w / 2, 262, "FRESH BREAD · COFFEE · CAKES", font(SANS, 46, bold=True), gold, align="center")
    p.setPen(QPen(gold, 3))
    p.drawLine(QPointF(150, 296), QPointF(w - 150, 296))
    text(p, w / 2, 370, "OPEN DAILY 7AM - 8PM", font(SANS, 50), cream, align="center")
    p.end()
    return img


def poster() -> QImage:
    w, h = 300, 420
    img, p = new_image(w, h, QColor(255, 214, 0))
    text(p, w / 2, 120, "SALE", font(SANS, 96, bold=True), QColor(20, 20, 20), align="center")
    text(p, w / 2, 230, "30% OFF", font(SANS, 60, bold=True), QColor(200, 20, 30), align="center")
    text(p, w / 2, 300, "ALL PASTRIES", font(SANS, 32, bold=True), QColor(20, 20, 20), align="center")
    text(p, w / 2, 370, "until Sunday", font(SANS, 30), QColor(20, 20, 20), align="center")
    p.end()
    return img


def awning(w: int) -> QImage:
    """A striped shop awning with a scalloped edge, seen from below."""
    h = 130
    img = QImage(w, h, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHints(QPainter.Antialiasing)
    stripe, r = 80, 40
    edge = QPainterPath()
    edge.setFillRule(Qt.WindingFill)  # the scallops overlap the band; keep the union
    edge.addRect(QRectF(0, 0, w, h - r))
    for x in range(0, w, stripe):
        edge.addEllipse(QRectF(x, h - 2 * r - 1, stripe, 2 * r))
    p.setClipPath(edge.simplified())
    for i, x in enumerate(range(0, w, stripe)):
        p.fillRect(QRectF(x, 0, stripe, h), QColor(35, 110, 70) if i % 2 == 0 else QColor(240, 236, 222))
    grad = QLinearGradient(0, 0, 0, h)
    grad.setColorAt(0, QColor(0, 0, 0, 90))
    grad.setColorAt(1, QColor(0, 0, 0, 0))
    p.fillRect(QRectF(0, 0, w, h), QBrush(grad))
    p.end()
    return img


def paste_warped(scene: np.ndarray, src: QImage, quad: list[tuple[float, float]]) -> None:
    """Warp src (with its alpha) onto scene so that its corners land on quad (tl, tr, br, bl), in place."""
    argb = src.convertToFormat(QImage.Format_RGBA8888)
    ptr = argb.constBits()
    ptr.setsize(argb.sizeInBytes())
    rgba = np.frombuffer(ptr, np.uint8).reshape(argb.height(), argb.bytesPerLine() // 4, 4)[:, : argb.width()]
    h, w = rgba.shape[:2]
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(quad))
    size = (scene.shape[1], scene.shape[0])
    color = cv2.warpPerspective(cv2.cvtColor(rgba[..., :3], cv2.COLOR_RGB2BGR), m, size, flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(rgba[..., 3], m, size, flags=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
    # A soft drop shadow first, then the object.
    shadow = cv2.GaussianBlur(alpha, (0, 0), 9)[..., None]
    shadow = np.roll(shadow, (10, 8), axis=(0, 1))
    scene *= 1 - 0.45 * shadow
    scene[:] = scene * (1 - alpha) + color.astype(np.float32) * alpha


def sign_photo(rng: np.random.Generator) -> np.ndarray:
    W, H = 1280, 720
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    # A warm plastered wall lit from the upper left, with bricks showing below.
    light = 1.0 - 0.35 * np.hypot(xx / W - 0.2, yy / H - 0.1)
    wall = np.stack([150 + 0 * xx, 180 + 0 * xx, 205 + 0 * xx], -1) * light[..., None]  # BGR
    wall += blotches(rng, H, W, 40, 14.0)[..., None]
    bricks = np.zeros((H, W), np.float32)
    for row, y in enumerate(range(560, H, 40)):
        bricks[y : y + 4] = 1
        for x in range((row % 2) * 55, W, 110):
            bricks[y : y + 40, x : x + 4] = 1
    brick_col = np.array([70, 85, 150], np.float32) * light[..., None] + blotches(rng, H, W, 8, 18.0)[..., None]
    lower = (yy >= 560)[..., None]
    scene = np.where(lower, brick_col * (1 - 0.5 * bricks[..., None]) + 0.5 * 200 * bricks[..., None], wall)

    paste_warped(scene, awning(1440), [(-60, -12), (1340, -12), (1330, 84), (-50, 100)])
    paste_warped(scene, sign_board(), [(170, 125), (905, 170), (895, 470), (165, 490)])
    paste_warped(scene, poster(), [(975, 235), (1185, 222), (1196, 525), (985, 532)])

    # Camera: a little defocus, vignetting, sensor noise.
    scene = cv2.GaussianBlur(scene, (0, 0), 0.9)
    vignette = 1 - 0.3 * (((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2) * 2
    scene *= vignette[..., None]
    scene += rng.normal(0, 3.0, scene.shape).astype(np.float32)
    return np.clip(scene, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication([argv[0]])  # noqa: F841  (fonts need a running application)
    missing = [f for f in (SANS, SERIF, MONO) if f not in QFontDatabase().families()]
    if missing:
        print(f"warning: fonts not found: {', '.join(missing)}; Qt substitutes others", file=sys.stderr)
    # One generator per image, so that skipping one leaves the others unchanged.
    save(receipt(np.random.default_rng(SEED + 1)), out_dir / "receipt_en.png")
    save(form(np.random.default_rng(SEED + 2)), out_dir / "form_en.png")
    cjk = find_cjk_family()
    if cjk is None:
        print(
            "no CJK font found (Debian/Ubuntu: apt-get install fonts-noto-cjk); skipping invoice_zh.png",
            file=sys.stderr,
        )
    else:
        print(f"CJK font: {cjk}")
        save(invoice_zh(np.random.default_rng(SEED + 3), cjk), out_dir / "invoice_zh.png")
    save(sign_photo(np.random.default_rng(SEED + 4)), out_dir / "sign_photo.jpg", jpeg_quality=90)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
