<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;OCR</source>
        <translation>识别(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;KIE</source>
        <translation>关键信息(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Open folder...</source>
        <translation>打开文件夹(&amp;O)...</translation>
    </message>
    <message>
        <source>&amp;Save now</source>
        <translation>立即保存(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>S&amp;ettings...</source>
        <translation>设置(&amp;E)...</translation>
    </message>
    <message>
        <source>&amp;Export PaddleOCR dataset...</source>
        <translation>导出 PaddleOCR 数据集(&amp;E)...</translation>
    </message>
    <message>
        <source>Con&amp;vert labels...</source>
        <translation>转换标注(&amp;V)...</translation>
    </message>
    <message>
        <source>&amp;Import labels as pre-labels...</source>
        <translation>导入标注作为预标注(&amp;I)...</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Draw &amp;rectangle</source>
        <translation>绘制矩形框(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Delete region</source>
        <translation>删除标注框(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Edit transcription</source>
        <translation>编辑识别结果(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Confirm image and go to next</source>
        <translation>确认本图片并跳到下一张(&amp;C)</translation>
    </message>
    <message>
        <source>Next &amp;low-confidence region</source>
        <translation>下一个低置信度标注框(&amp;L)</translation>
    </message>
    <message>
        <source>Previous low-confidence region</source>
        <translation>上一个低置信度标注框</translation>
    </message>
    <message>
        <source>&amp;Auto-label this image</source>
        <translation>自动标注当前图片(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Re-recognize selected region</source>
        <translation>重新识别选中的标注框(&amp;R)</translation>
    </message>
    <message>
        <source>Re-recognize &amp;all regions</source>
        <translation>重新识别全部标注框(&amp;A)</translation>
    </message>
    <message>
        <source>Auto-label all &amp;new images</source>
        <translation>自动标注所有新图片(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Stop auto-labelling&#9;Esc</source>
        <translation>停止自动标注(&amp;S)&#9;Esc</translation>
    </message>
    <message>
        <source>&amp;Previous image</source>
        <translation>上一张图片(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Next image</source>
        <translation>下一张图片(&amp;N)</translation>
    </message>
    <message>
        <source>Zoom &amp;in</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;KIE mode</source>
        <translation>关键信息抽取模式(&amp;K)</translation>
    </message>
    <message>
        <source>Set &amp;key class of selected region...</source>
        <translation>设置选中框的关键类别(&amp;K)...</translation>
    </message>
    <message>
        <source>&amp;Load key class list...</source>
        <translation>加载关键类别列表(&amp;L)...</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>快捷键列表(&amp;K)</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图片列表</translation>
    </message>
    <message>
        <source>Regions</source>
        <translation>标注框列表</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>校对</translation>
    </message>
    <message>
        <source>Key classes</source>
        <translation>关键类别</translation>
    </message>
    <message>
        <source>&amp;Expand</source>
        <translation>扩展标注框(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Hide boxes</source>
        <translation>隐藏标注框(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Lock / unlock</source>
        <translation>锁定 / 解锁(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Show boxes</source>
        <translation>显示标注框(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Zoom to selected box</source>
        <translation>缩放到选中框(&amp;Z)</translation>
    </message>
    <message>
        <source>Add &amp;vertex (longest edge)</source>
        <translation>添加顶点（最长边）(&amp;V)</translation>
    </message>
    <message>
        <source>Convert to &amp;rectangle</source>
        <translation>转换为矩形(&amp;R)</translation>
    </message>
    <message>
        <source>Copy locked regions to the &amp;next image</source>
        <translation>复制锁定框到下一张图片(&amp;N)</translation>
    </message>
    <message>
        <source>D&amp;uplicate</source>
        <translation>复制标注框(&amp;U)</translation>
    </message>
    <message>
        <source>Draw &amp;multi-point polygon (Enter closes)</source>
        <translation>绘制多点多边形（回车闭合）(&amp;M)</translation>
    </message>
    <message>
        <source>Draw 4-point &amp;polygon</source>
        <translation>绘制四点多边形(&amp;P)</translation>
    </message>
    <message>
        <source>Fit &amp;width</source>
        <translation>适应宽度(&amp;W)</translation>
    </message>
    <message>
        <source>Re&amp;gion</source>
        <translation>标注框(&amp;G)</translation>
    </message>
    <message>
        <source>Re&amp;sort into reading order</source>
        <translation>按阅读顺序重排(&amp;S)</translation>
    </message>
    <message>
        <source>Remove picked ver&amp;tex</source>
        <translation>删除选中顶点(&amp;T)</translation>
    </message>
    <message>
        <source>Rotate 90° &amp;anticlockwise</source>
        <translation>逆时针旋转 90°(&amp;A)</translation>
    </message>
    <message>
        <source>Rotate 90° clock&amp;wise</source>
        <translation>顺时针旋转 90°(&amp;W)</translation>
    </message>
    <message>
        <source>Locked regions follow onto new images</source>
        <translation>锁定框自动带到新图片</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Model set</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>light</source>
        <translation>轻量</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>model folder, manifest.json or registered set name</source>
        <translation>模型文件夹、manifest.json 或已注册的模型名</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>from model</source>
        <translation>按模型设定</translation>
    </message>
    <message>
        <source>Detection box threshold</source>
        <translation>检测框阈值 (box_thresh)</translation>
    </message>
    <message>
        <source>Detection unclip ratio</source>
        <translation>检测框扩张比例 (unclip_ratio)</translation>
    </message>
    <message>
        <source>Low recognition score under</source>
        <translation>低置信度阈值</translation>
    </message>
    <message>
        <source>Autosave delay</source>
        <translation>自动保存延迟</translation>
    </message>
    <message>
        <source>Choose a folder for the custom model set.</source>
        <translation>请为自定义模型选择一个文件夹。</translation>
    </message>
    <message>
        <source>KIE mode (a key class per region)</source>
        <translation>关键信息抽取模式（每个框一个关键类别）</translation>
    </message>
    <message>
        <source>Key information</source>
        <translation>关键信息</translation>
    </message>
    <message>
        <source>one class per line; empty: type the classes</source>
        <translation>每行一个类别；留空则手动输入类别</translation>
    </message>
    <message>
        <source>Key class list</source>
        <translation>关键类别列表</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键列表</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>功能</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Change keys in the settings file under &quot;shortcuts&quot; (action name -&gt; keys).</source>
        <translation>在设置文件的 &quot;shortcuts&quot; 项中修改快捷键（功能名称 -&gt; 快捷键）。</translation>
    </message>
</context>
</TS>
