Attribute VB_Name = "Rubricxl"
Option Explicit

' Ribbon callback shared by every button of the rubricxl tab (customUI.xml).
' The button's tag names the action; Python (xladdin.ribbon.dispatch) does the work on the
' active workbook through the xlwings module's RunPython, and refuses politely what it can
' judge: a read-only workbook, a workbook without a rubric, an xlwings other than the one
' this add-in was built for (XLWINGS_VERSION, the version in the DLL name the module loads).
' What Python cannot be asked about is refused here: no workbook open, or a workbook in
' Protected View (ActiveWorkbook is Nothing; RunPython would stop with error 91).
' Chinese text comes from the generated module RubricxlText, so this source stays ASCII.
Public Sub RubricxlButton(control As IRibbonControl)
    If InProtectedView() Then
        MsgBox RubricxlText.MessageText("protected_view"), vbExclamation, RubricxlText.MessageText("title")
        Exit Sub
    End If
    If ActiveWorkbook Is Nothing Then
        MsgBox RubricxlText.MessageText("no_workbook"), vbExclamation, RubricxlText.MessageText("title")
        Exit Sub
    End If
    RunPython "import xladdin.ribbon as r; r.dispatch('" & control.Tag & "', '" & XLWINGS_VERSION _
        & "', " & IIf(ActiveWorkbook.ReadOnly, "True", "False") & ")"
End Sub

' Late bound: ActiveProtectedViewWindow is missing before Excel 2010, which then reports False.
Private Function InProtectedView() As Boolean
    Dim host As Object
    Set host = Application
    On Error Resume Next
    InProtectedView = Not host.ActiveProtectedViewWindow Is Nothing
End Function

' Called by Workbook_Open. After `pip install -U xlwings`, or with Python moved or removed, the
' DLL this add-in's xlwings module loads (its name holds XLWINGS_VERSION) is gone, and every
' function cell would show "Could not load xlwings64-<version>.dll": say so once, in Chinese,
' when Excel starts. It looks where the xlwings module looks (beside the interpreter, or one
' folder up for a virtual environment). Windows only; silent on any error and when the add-in
' sets no interpreter (built by `rubricxl addin build`, not installed).
Public Sub CheckPython()
    #If Not Mac Then
    Dim settings As Object, python As String, dll As String
    On Error GoTo done
    Set settings = GetConfigFromSheet(ThisWorkbook)
    If Not settings.Exists("INTERPRETER_WIN") Then Exit Sub
    python = settings.Item("INTERPRETER_WIN")
    If Not FileExists(python) Then
        MsgBox RubricxlText.MessageText("python_missing") & vbCrLf & python, vbExclamation, RubricxlText.MessageText("title")
        Exit Sub
    End If
    #If Win64 Then
        dll = "xlwings64-" & XLWINGS_VERSION & ".dll"
    #Else
        dll = "xlwings32-" & XLWINGS_VERSION & ".dll"
    #End If
    If FileExists(ParentFolder(python) & "\" & dll) Then Exit Sub
    If FileExists(ParentFolder(ParentFolder(python)) & "\" & dll) Then Exit Sub
    MsgBox RubricxlText.MessageText("dll_missing") & vbCrLf & dll, vbExclamation, RubricxlText.MessageText("title")
done:
    #End If
End Sub
